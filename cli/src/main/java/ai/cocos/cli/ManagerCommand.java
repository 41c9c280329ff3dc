package ai.cocos.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
import picocli.CommandLine.Mixin;

/**
 * A command that calls the manager over gRPC: {@code computations ...}, {@code create-vm}, {@code
 * remove-vm}. The connection comes from the {@code MANAGER_GRPC_*} variables and {@code --manager};
 * a failed call becomes a {@link Failure} that says what happened and what to do (exit code 1).
 */
abstract class ManagerCommand extends LocalCommand {
  @Mixin ManagerOptions connection;

  @Override
  final int run() throws Failure {
    Target override = null;
    if (connection.manager != null) {
      try {
        override = Target.parse(connection.manager);
      } catch (IllegalArgumentException e) {
        throw usage("--manager: " + e.getMessage());
      }
    }
    prepare();
    GrpcClient.Settings settings =
        GrpcClient.Settings.from(GrpcClient.Server.MANAGER, Main.env(spec), override, "--manager");
    if (connection.verbose) {
      err().println(settings.describe());
      err().flush();
    }
    try (GrpcClient client = GrpcClient.open(settings)) {
      try {
        return call(client);
      } catch (StatusRuntimeException e) {
        throw new Failure(explain(client, e.getStatus(), e));
      }
    }
  }

  /**
   * Checks the command line and reads the local files, before anything is sent.
   *
   * @throws Failure if a file cannot be read
   */
  void prepare() throws Failure {}

  /**
   * Calls the manager and prints the outcome.
   *
   * @param client the connection
   * @return the exit code
   * @throws Failure if the operation failed for a reason the user can fix
   */
  abstract int call(GrpcClient client) throws Failure;

  /**
   * What failed, for a status the command has no words of its own for.
   *
   * @return for example {@code cannot register the computation}
   */
  abstract String action();

  /**
   * The command's reading of a status its calls answer with, for example NOT_FOUND.
   *
   * @param status the failed call's status
   * @return the message, or empty for the general one
   */
  Optional<String> problem(Status status) {
    return Optional.empty();
  }

  /**
   * The server's description of a refusal.
   *
   * @param status the status
   * @return its description, or its code if it has none
   */
  static String description(Status status) {
    String d = status.getDescription();
    return d == null || d.isBlank() ? status.getCode().name() : d;
  }

  private String explain(GrpcClient client, Status status, StatusRuntimeException e) {
    String message =
        client
            .connectionProblem(e)
            .or(() -> problem(status))
            .orElseGet(
                () ->
                    action()
                        + ": the manager answered "
                        + status.getCode()
                        + (status.getDescription() == null ? "" : ": " + status.getDescription()));
    if (connection.verbose) {
      message += System.lineSeparator() + GrpcClient.details(status);
    }
    return message;
  }
}
