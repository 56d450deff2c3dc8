/** Moved to src/files/private-files.ts (the JWT key source uses it too); kept so this path still resolves. */
export { PRIVATE_DIRECTORY_MODE, PRIVATE_FILE_MODE, createPrivateDirectory, createPrivateFile } from "../../files/private-files.js";
