/**
 * Preloaded into the benchmark's gateway children (`node --import <this file> ...`): they exit when their stdin, a
 * pipe from the benchmark, closes. The benchmark stops them itself on exit, failure and Ctrl-C; this covers the one
 * case it cannot, its own SIGKILL. It reads nothing and costs nothing on the request path.
 */
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
// The pipe alone must not keep a gateway alive that would otherwise exit (e.g. a failed start-up).
process.stdin.unref();
