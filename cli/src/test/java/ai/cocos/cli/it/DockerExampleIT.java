package ai.cocos.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * examples/docker-wordcount end to end with real processes and a real container engine: run.sh
 * builds the image archive offline, starts a private dockerd, and the agent's docker runner loads
 * and runs the image over the two newsrooms' texts, streams its output into the agent's log, and
 * removes the container and the image; only the lab reads the word counts.
 */
class DockerExampleIT {
  /**
   * dockerd and a static busybox (scripts/setup.d/42-container-engine.sh), and root to start it.
   */
  @BeforeAll
  static void requireEngine() throws Exception {
    boolean dockerd =
        List.of("/usr/sbin/dockerd", "/usr/bin/dockerd").stream()
            .anyMatch(p -> Files.isExecutable(Path.of(p)));
    boolean busybox =
        List.of("/bin/busybox", "/usr/bin/busybox").stream()
            .anyMatch(p -> Files.isExecutable(Path.of(p)));
    boolean root =
        "0".equals(String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid")));
    String given = System.getenv("AGENT_DOCKER_HOST");
    if ((dockerd && root || given != null && !given.isBlank()) && busybox) {
      return;
    }
    String why =
        "the docker example needs dockerd, busybox-static (scripts/setup.d/42-container-engine.sh)"
            + " and root to start the engine, or AGENT_DOCKER_HOST naming a running one";
    if (System.getenv("CI") != null) {
      fail("CI is set but " + why);
    }
    Assumptions.assumeTrue(false, why);
  }

  @Test
  void countsTheWordsOfBothTextsInAContainerAndLeavesNothingBehind() throws Exception {
    ExampleScript.Run run =
        ExampleScript.run("examples/docker-wordcount/run.sh", "AGENT_RUNNERS"::equals, Map.of());
    String output = run.output();

    assertEquals(0, run.status(), output);
    // The image's output streamed into the agent's log, the manifest's argument (top 5) applied.
    assertTrue(output.contains("    counting words in 2 datasets\n"), output);
    // The container and the image are gone from the engine once the run is over.
    assertTrue(
        output.contains(
            "the engine holds neither the computation's container nor its image any more"),
        output);
    // The lab's result.
    assertTrue(
        output.contains("  words: 53\n  distinct words: 33\n  top 5:\n    the          14\n"),
        output);
    assertTrue(output.contains("  word-counts.csv: 33 distinct words"), output);
  }
}
