package ai.cocos.cli;

import picocli.CommandLine.Option;

/** The options of every command that calls the manager. */
final class ManagerOptions {
  /** After the command's own options in its help (those are unordered, -1). */
  private static final int ORDER = 1000;

  @Option(
      names = "--manager",
      order = ORDER,
      paramLabel = "HOST:PORT",
      description = "The manager's address (default: $MANAGER_GRPC_URL, else localhost:7001).")
  String manager;

  @Option(
      names = {"-v", "--verbose"},
      order = ORDER + 1,
      description =
          "Say how the manager is reached (address, with or without TLS, deadline) and add the"
              + " gRPC status to an error.")
  boolean verbose;
}
