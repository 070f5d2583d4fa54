// The older majors installed under aliases for the spec; typed as opaque, the spec casts them to the
// current major's types, whose API surface it uses.
declare module "express4" {
  const express4: unknown;
  export default express4;
}
declare module "koa2" {
  const Koa2: unknown;
  export default Koa2;
}
