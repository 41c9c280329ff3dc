package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HealthProbeTest {

  @Test
  void keepsTheOperatingSystemsWordsFromNettyConnectErrors() {
    assertEquals(
        "connection refused",
        HealthProbe.connectProblem(
            "finishConnect(..) failed with error(-111): Connection refused: /127.0.0.1:1"));
    assertEquals(
        "connection refused",
        HealthProbe.connectProblem("Connection refused: localhost/127.0.0.1:7002"));
    assertEquals(
        "no route to host",
        HealthProbe.connectProblem("connect(..) failed with error(-113): No route to host"));
    assertEquals("connection failed", HealthProbe.connectProblem(null));
  }
}
