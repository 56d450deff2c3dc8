import { memoryStore } from "../../src/stores/memory/index.js";
import { describeStore } from "../conformance/store.js";

describeStore("memory", { open: async () => memoryStore() });
