package ai.cocos.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A command whose failures the user can fix: the local-file commands directly, the manager commands
 * through {@link ManagerCommand}. A {@link Failure} becomes its message on standard error and exit
 * code 1; a {@link ParameterException} is picocli's usage error (exit code 2).
 */
abstract class LocalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public final Integer call() {
    try {
      return run();
    } catch (Failure e) {
      PrintWriter err = err();
      err.println(e.getMessage());
      err.flush();
      return 1;
    }
  }

  /**
   * Does the work.
   *
   * @return the exit code: 0 success, 1 the operation failed (after printing why)
   * @throws Failure if the operation failed for a reason the user can fix
   */
  abstract int run() throws Failure;

  /** Standard output. */
  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /** Standard error. */
  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /**
   * A usage error (exit code 2): picocli prints the message and the command's usage.
   *
   * @param message what is wrong with the command line
   * @return the exception to throw
   */
  ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
