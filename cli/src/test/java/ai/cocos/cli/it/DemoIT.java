package ai.cocos.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's first command, end to end with real processes: bin/cocos-demo runs a three-party
 * computation through the CLI, the manager and an agent over TLS, and shows what is refused.
 */
class DemoIT {
  private static final Path REPO = Path.of(System.getProperty("cocos.repo")).normalize();

  @Test
  void threePartiesComputeAndOnlyTheConsumerReadsTheResult() throws Exception {
    int managerPort = freePort();
    int first = freePort();
    ProcessBuilder pb =
        new ProcessBuilder(REPO.resolve("bin/cocos-demo").toString()).redirectErrorStream(true);
    pb.environment().put("MANAGER_GRPC_PORT", Integer.toString(managerPort));
    pb.environment().put("MANAGER_QEMU_HOST_FWD_RANGE", first + "-" + (first + 20));
    Process demo = pb.start();
    byte[] out = demo.getInputStream().readAllBytes();
    assertTrue(demo.waitFor(3, TimeUnit.MINUTES), "the demo did not finish");
    String text = new String(out, StandardCharsets.UTF_8);

    assertEquals(0, demo.exitValue(), text);
    // Every party's upload was accepted, the cross-party one refused with its reason.
    assertTrue(text.contains("lab:        algorithm uploaded"), text);
    assertTrue(text.contains("hospital-a: dataset uploaded: a.csv"), text);
    assertTrue(text.contains("hospital-b: dataset uploaded: b.csv"), text);
    assertTrue(
        text.contains(
            "refused: the agent refused the signature: signed by a key that is not the"
                + " data-provider key of dataset 'b.csv'"),
        text);
    // Only the consumer gets the result, and it is the algorithm's output over both datasets.
    assertTrue(text.contains("signed by a key that is not a consumer key"), text);
    assertTrue(text.contains("    asthma,1\n    diabetes,1\n    flu,3\n"), text);
    // The agent wiped the computation after the consumer fetched it.
    assertTrue(text.contains("Complete Completed"), text);
    assertTrue(text.contains("Wiped Completed"), text);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
