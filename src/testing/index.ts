export {
  type StoreConformanceCase,
  type StoreConformanceOptions,
  storeConformanceCases,
} from "./conformance.js";
