package ai.cocos.cli.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Runs one of the repository's scripts (the examples' {@code run.sh}, {@code bin/cocos-demo}) as a
 * real process, on free ports, and returns what it printed. The script's own trap stops the manager
 * it started, and with it the agents.
 */
final class ExampleScript {
  /** The repository the tests run in. */
  static final Path REPO = Path.of(System.getProperty("cocos.repo")).normalize();

  /**
   * What a script did.
   *
   * @param status its exit status
   * @param output standard output and error, merged
   */
  record Run(int status, String output) {}

  private ExampleScript() {}

  /**
   * Runs a script with a manager port and a forwarded-port range of its own.
   *
   * @param script the script, relative to the repository
   * @param unset drops variables of the test's environment that would change the run
   * @param env variables to set
   * @return what it did
   */
  static Run run(String script, Predicate<String> unset, Map<String, String> env)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile("cocos-script-", ".log");
    int first = freePort();
    ProcessBuilder pb =
        new ProcessBuilder(REPO.resolve(script).toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(unset);
    pb.environment().put("MANAGER_GRPC_PORT", Integer.toString(freePort()));
    pb.environment().put("MANAGER_QEMU_HOST_FWD_RANGE", first + "-" + (first + 20));
    pb.environment().putAll(env);
    Process process = pb.start();
    try {
      boolean ended = process.waitFor(4, TimeUnit.MINUTES);
      String output = Files.readString(log, StandardCharsets.UTF_8);
      if (!ended) {
        process.destroy();
        process.waitFor(30, TimeUnit.SECONDS);
        fail(script + " did not finish within 4 minutes: " + output);
      }
      return new Run(process.exitValue(), output);
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
