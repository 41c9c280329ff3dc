package ai.cocos.runner.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RunnerSettingsTest {

  @Test
  void defaultsMatchTheConfigurationType() throws Exception {
    RunnerSettings defaults = RunnerSettings.defaults();
    assertEquals(
        (int) defaults.maxMemoryMb(),
        WasmRunnerConfig.class.getMethod("maxMemoryMb").getDefaultValue());
    assertEquals(
        defaults.maxLineBytes(),
        WasmRunnerConfig.class.getMethod("maxLineBytes").getDefaultValue());
    assertEquals(
        defaults.stopGrace().toMillis(),
        WasmRunnerConfig.class.getMethod("stopGraceMillis").getDefaultValue());
    assertEquals(
        (int) (defaults.stackBytes() >> 20),
        WasmRunnerConfig.class.getMethod("stackMb").getDefaultValue());
  }

  @Test
  void memoryLimitIsCountedInPages() {
    assertEquals(16, RunnerSettings.pages(1));
    assertEquals(65536, RunnerSettings.pages(4096));
    assertEquals(4096, new RunnerSettings(65536, 1024, Duration.ZERO, 1 << 20).maxMemoryMb());
  }

  @Test
  void rejectsInvalidValuesByName() {
    assertEquals(
        "wasm runner: maxMemoryMb must be between 1 and 4096, was 0",
        assertThrows(
                IllegalArgumentException.class,
                () -> new RunnerSettings(0, 65536, Duration.ZERO, 1 << 20))
            .getMessage());
    assertEquals(
        "wasm runner: maxLineBytes must be at least 1024, was 10",
        assertThrows(
                IllegalArgumentException.class,
                () -> new RunnerSettings(16, 10, Duration.ZERO, 1 << 20))
            .getMessage());
    assertEquals(
        "wasm runner: stopGraceMillis must not be negative, was -1",
        assertThrows(
                IllegalArgumentException.class,
                () -> new RunnerSettings(16, 65536, Duration.ofMillis(-1), 1 << 20))
            .getMessage());
  }
}
