package ai.cocos.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * examples/wasm-csv-summary end to end with real processes: run.sh builds a C program into a WASI
 * module with clang, and the agent's Wasm runner (Chicory) summarises two parties' CSV files
 * through the CLI, the manager and an agent over TLS; an agent whose operator enabled only the
 * Python runner refuses the same computation, saying why.
 */
class WasmExampleIT {
  private static ExampleScript.Run run(Map<String, String> env) throws Exception {
    return ExampleScript.run(
        "examples/wasm-csv-summary/run.sh",
        name -> name.equals("AGENT_RUNNERS") || name.startsWith("AGENT_WASM_"),
        env);
  }

  /** clang with the wasm32-wasi target: fail under CI (the project installs it), skip otherwise. */
  @BeforeAll
  static void requireClang() {
    boolean clang =
        Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            .anyMatch(dir -> Files.isExecutable(Path.of(dir, "clang")));
    boolean libc = Files.exists(Path.of("/usr/lib/wasm32-wasi/libc.a"));
    if (!clang || !libc) {
      String what = "clang and wasi-libc (scripts/setup.d/41-wasm.sh installs them)";
      if (System.getenv("CI") != null) {
        fail("CI is set but the example cannot be built without " + what);
      }
      Assumptions.assumeTrue(false, "missing " + what);
    }
  }

  @Test
  void theAgentRunsTheModuleOverBothPartiesDataAndOnlyTheLabGetsTheSummary() throws Exception {
    ExampleScript.Run run = run(Map.of());

    assertEquals(0, run.status(), run.output());
    // The module's standard output streamed into the agent's log (recorded by the manager).
    assertTrue(run.output().contains("    read datasets/north.csv: 6 rows\n"), run.output());
    assertTrue(run.output().contains("    read datasets/south.csv: 5 rows\n"), run.output());
    assertTrue(
        run.output()
            .contains("    summarised 3 numeric columns from 2 files into results/summary.csv"),
        run.output());
    // The result: both stations' readings, with the manifest's argument (--precision=4) applied.
    assertTrue(
        run.output()
            .contains(
                "  summary.csv:\n"
                    + "    column,count,mean,min,max\n"
                    + "    temperature_c,11,8.864,3.8,14.1\n"
                    + "    rainfall_mm,11,4.818,0,22.5\n"
                    + "    humidity_pct,11,71.91,55,93\n"),
        run.output());
  }

  @Test
  void anAgentWithoutTheWasmRunnerRefusesTheModuleAndSaysWhy() throws Exception {
    ExampleScript.Run run = run(Map.of("AGENT_RUNNERS", "python"));

    assertNotEquals(0, run.status(), run.output());
    assertTrue(
        run.output()
            .contains(
                "agent could not start the computation: manifest refused: its algorithm type"
                    + " 'wasm' cannot run on this agent: runner 'wasm' is not installed (installed:"
                    + " python)"),
        run.output());
    assertTrue(run.output().contains("state:    Failed (final)"), run.output());
  }
}
