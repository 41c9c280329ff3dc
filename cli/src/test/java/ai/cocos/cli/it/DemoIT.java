package ai.cocos.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's first command, end to end with real processes: bin/cocos-demo runs a three-party
 * computation through the CLI, the manager and an agent over TLS, and shows what is refused.
 */
class DemoIT {
  @Test
  void threePartiesComputeAndOnlyTheConsumerReadsTheResult() throws Exception {
    ExampleScript.Run run = ExampleScript.run("bin/cocos-demo", name -> false, Map.of());
    String text = run.output();

    assertEquals(0, run.status(), text);
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
}
