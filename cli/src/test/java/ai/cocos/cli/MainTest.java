package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MainTest {

  @Test
  void aRunNamingACommandBuildsOnlyThatCommandAndOtherRunsBuildAll() {
    String[] one = {"data", "x.csv", "key.pem"};
    assertEquals(
        java.util.Set.of("data"),
        Main.commandLine(k -> null, one).getSubcommands().keySet(),
        "only the named command's model is built");
    int all = Main.COMMANDS.size();
    for (String[] args : new String[][] {{}, {"help", "data"}, {"--help"}, {"dat"}, {"-V"}}) {
      assertEquals(
          all, Main.commandLine(k -> null, args).getSubcommands().size(), String.join(" ", args));
    }
    // A misspelt command still gets picocli's suggestion, which needs every command.
    Run typo = Run.of("dat");
    assertEquals(2, typo.exitCode(), typo::toString);
    assertTrue(typo.err().contains("data"), typo::toString);
  }

  @Test
  void versionNamesTheBuildAndTheJavaRuntime() {
    Run run = Run.of("--version");

    assertEquals(0, run.exitCode(), run::toString);
    String[] lines = run.out().split("\\R");
    assertEquals("cocos-cli " + System.getProperty("expected.version"), lines[0]);
    assertTrue(lines[1].startsWith("Java " + Runtime.version()), run::toString);
    assertEquals("", run.err());
  }

  @Test
  void helpDescribesCocosAndListsTheCommands() {
    Run run = Run.of("--help");

    assertEquals(0, run.exitCode(), run::toString);
    assertTrue(run.out().startsWith("Usage: cocos-cli [-hV] COMMAND"), run::toString);
    assertTrue(run.out().contains("confidential VM"), run::toString);
    assertTrue(run.out().contains("Commands available in this build:"), run::toString);
    for (String command :
        new String[] {
          "keys",
          "checksum",
          "manifest",
          "computations",
          "create-vm",
          "remove-vm",
          "health",
          "attestation"
        }) {
      assertTrue(run.out().contains("\n  " + command + " "), command);
    }
    assertFalse(run.out().contains("Not yet in this build: attestation"), run::toString);
    for (String variable :
        new String[] {
          "MANAGER_GRPC_URL",
          "MANAGER_GRPC_TIMEOUT",
          "MANAGER_GRPC_SERVER_CA_CERTS",
          "MANAGER_GRPC_CLIENT_CERT",
          "MANAGER_GRPC_CLIENT_KEY",
          "AGENT_GRPC_URL"
        }) {
      assertTrue(run.out().contains("\n  " + variable + " "), variable);
    }
    for (String line : run.out().split("\\R")) {
      assertTrue(line.length() <= 80, () -> "wider than 80 columns: " + line);
    }
  }

  @Test
  void helpCommandShowsACommandsOptions() {
    Run run = Run.of("help", "health");

    assertEquals(0, run.exitCode(), run::toString);
    assertTrue(run.out().contains("--target=HOST:PORT"), run::toString);
    assertTrue(run.out().contains("Exit codes:"), run::toString);
  }

  @Test
  void noCommandIsAUsageError() {
    Run run = Run.of();

    assertEquals(2, run.exitCode(), run::toString);
    assertTrue(run.err().startsWith("Missing required command"), run::toString);
    assertTrue(run.err().contains("Usage: cocos-cli"), run::toString);
  }

  @Test
  void unknownOptionIsAUsageError() {
    Run run = Run.of("--frobnicate");

    assertEquals(2, run.exitCode(), run::toString);
    assertTrue(run.err().contains("Unknown option: '--frobnicate'"), run::toString);
  }
}
