package ai.cocos.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * examples/python-iris end to end with real processes: run.sh trains an Iris classifier through the
 * CLI, the manager and an agent whose Python runner installs the script's requirement from the
 * operator's wheelhouse, offline; and an agent whose operator did not enable the Python runner
 * refuses the same computation, saying why.
 */
class PythonExampleIT {
  private static final Path REPO = Path.of(System.getProperty("cocos.repo")).normalize();
  private static final Path SCRIPT = REPO.resolve("examples/python-iris/run.sh");

  /** Debian's interpreter with venv: fail under CI (the project installs it), skip otherwise. */
  @BeforeAll
  static void requirePython() {
    boolean ok = Files.isExecutable(Path.of("/usr/bin/python3"));
    if (!ok) {
      if (System.getenv("CI") != null) {
        fail(
            "CI is set but /usr/bin/python3 is missing (scripts/setup.d/40-python.sh installs it)");
      }
      Assumptions.assumeTrue(false, "/usr/bin/python3 is missing");
    }
  }

  @Test
  void trainsTheModelInsideTheAgentWithARequirementFromTheWheelhouse() throws Exception {
    Run run = run(Map.of());

    assertEquals(0, run.status, run.output);
    // The requirement came from the operator's wheelhouse, and its set-up output is marked.
    assertTrue(run.output.contains("[setup] Successfully installed irismetrics-1.0.0"), run.output);
    // The script's output streamed into the agent's log, with the manifest's arguments applied.
    assertTrue(run.output.contains("    epoch 1000/1000 loss "), run.output);
    // The lab's result: the report and the model, trained the same way on every machine.
    assertTrue(run.output.contains("  accuracy 0.967 (29/30)\n"), run.output);
    assertTrue(
        run.output.contains(
            "  model.json: softmax regression, 3 classes, 12 weights, test accuracy 0.967"),
        run.output);
  }

  @Test
  void anAgentWithoutThePythonRunnerRefusesThePythonAlgorithmAndSaysWhy() throws Exception {
    // The operator enabled only the Wasm runner (the assembly ships bin, python, wasm, docker).
    Run run = run(Map.of("AGENT_RUNNERS", "wasm"));

    assertNotEquals(0, run.status, run.output);
    assertTrue(
        run.output.contains(
            "agent could not start the computation: manifest refused: its algorithm type"
                + " 'python' cannot run on this agent: runner 'python' is not installed (installed:"
                + " wasm)"),
        run.output);
    assertTrue(run.output.contains("state:    Failed (final)"), run.output);
  }

  private record Run(int status, String output) {}

  private static Run run(Map<String, String> env) throws Exception {
    Path log = Files.createTempFile("python-iris-", ".log");
    int managerPort = freePort();
    int first = freePort();
    ProcessBuilder pb =
        new ProcessBuilder(SCRIPT.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("MANAGER_GRPC_PORT", Integer.toString(managerPort));
    pb.environment().put("MANAGER_QEMU_HOST_FWD_RANGE", first + "-" + (first + 20));
    pb.environment().remove("AGENT_RUNNERS");
    pb.environment().remove("AGENT_PYTHON_WHEELHOUSE");
    pb.environment().putAll(env);
    Process process = pb.start();
    try {
      boolean ended = process.waitFor(4, TimeUnit.MINUTES);
      String output = Files.readString(log, StandardCharsets.UTF_8);
      if (!ended) {
        // run.sh's trap stops the manager, which stops its agents.
        process.destroy();
        process.waitFor(30, TimeUnit.SECONDS);
        fail("run.sh did not finish within 4 minutes: " + output);
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
