/** Binary files the bench Worker imports as Data modules (an ArrayBuffer each). */
declare module '*.bin' {
  const data: ArrayBuffer;
  export default data;
}
