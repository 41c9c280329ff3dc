package ai.cocos.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
  private static ExampleScript.Run run(Map<String, String> env) throws Exception {
    return ExampleScript.run(
        "examples/python-iris/run.sh",
        name -> name.equals("AGENT_RUNNERS") || name.equals("AGENT_PYTHON_WHEELHOUSE"),
        env);
  }

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
    ExampleScript.Run run = run(Map.of());

    assertEquals(0, run.status(), run.output());
    // The requirement came from the operator's wheelhouse, and its set-up output is marked.
    assertTrue(
        run.output().contains("[setup] Successfully installed irismetrics-1.0.0"), run.output());
    // The script's output streamed into the agent's log, with the manifest's arguments applied.
    assertTrue(run.output().contains("    epoch 1000/1000 loss "), run.output());
    // The lab's result: the report and the model, trained the same way on every machine.
    assertTrue(run.output().contains("  accuracy 0.967 (29/30)\n"), run.output());
    assertTrue(
        run.output()
            .contains(
                "  model.json: softmax regression, 3 classes, 12 weights, test accuracy 0.967"),
        run.output());
  }

  @Test
  void anAgentWithoutThePythonRunnerRefusesThePythonAlgorithmAndSaysWhy() throws Exception {
    // The operator enabled only the Wasm runner (the assembly ships bin, python, wasm, docker).
    ExampleScript.Run run = run(Map.of("AGENT_RUNNERS", "wasm"));

    assertNotEquals(0, run.status(), run.output());
    assertTrue(
        run.output()
            .contains(
                "agent could not start the computation: manifest refused: its algorithm type"
                    + " 'python' cannot run on this agent: runner 'python' is not installed (installed:"
                    + " wasm)"),
        run.output());
    assertTrue(run.output().contains("state:    Failed (final)"), run.output());
  }
}
