/** Version of this SDK, sent as `sdkVersion` with every survey. Kept equal to package.json by a test. */
export const SDK_VERSION = "0.1.0";
