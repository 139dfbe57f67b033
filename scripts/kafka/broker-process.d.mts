// Types of broker-process.mjs (for the TypeScript tests that start a broker of their own).

export declare const javaBin: string;
export declare function freePorts(count: number): Promise<number[]>;
export declare function serverProperties(options: {
  brokerPort: number;
  controllerPort: number;
  dataDir: string;
  extra?: Record<string, string>;
}): string;
export declare function jvmOptions(options: { heap: string[]; logsDir: string }): string[];
export declare function formatStorage(options: {
  jvm: string[];
  classPath: string;
  propertiesPath: string;
}): string | undefined;
export declare function portAccepts(port: number): Promise<boolean>;
export declare function answersAdminRequests(address: string): Promise<boolean>;
export declare function waitUntilServing(options: {
  port: number;
  timeoutMs: number;
  hasExited: () => boolean;
}): Promise<boolean>;
