/** Where a command reads its environment and writes its output (the process, or a test). */
export interface Io {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}
