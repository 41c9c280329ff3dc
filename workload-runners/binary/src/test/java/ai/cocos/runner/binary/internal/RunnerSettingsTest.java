package ai.cocos.runner.binary.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RunnerSettingsTest {

  @Test
  void defaultsMatchTheConfigurationType() throws Exception {
    RunnerSettings defaults = RunnerSettings.defaults();
    assertEquals(
        defaults.killGrace().toMillis(),
        BinaryRunnerConfig.class.getMethod("killGraceMillis").getDefaultValue());
    assertEquals(
        defaults.maxLineBytes(),
        BinaryRunnerConfig.class.getMethod("maxLineBytes").getDefaultValue());
    assertEquals(defaults.path(), BinaryRunnerConfig.class.getMethod("path").getDefaultValue());
  }

  @Test
  void rejectsInvalidValuesByName() {
    IllegalArgumentException grace =
        assertThrows(
            IllegalArgumentException.class,
            () -> new RunnerSettings(Duration.ofMillis(-1), 65536, "/bin"));
    assertEquals("binary runner: killGraceMillis must not be negative, was -1", grace.getMessage());
    IllegalArgumentException line =
        assertThrows(
            IllegalArgumentException.class, () -> new RunnerSettings(Duration.ZERO, 10, "/bin"));
    assertEquals("binary runner: maxLineBytes must be at least 1024, was 10", line.getMessage());
  }
}
