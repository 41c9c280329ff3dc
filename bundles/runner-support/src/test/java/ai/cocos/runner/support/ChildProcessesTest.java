package ai.cocos.runner.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.cocos.api.runner.RunnerException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChildProcessesTest {

  @Test
  void commandKeepsArgumentsVerbatim() throws Exception {
    assertEquals(
        List.of("/usr/bin/python3", "-u", "algo", "a b", "$X", ""),
        ChildProcesses.command(
            List.of("/usr/bin/python3", "-u", "algo"), List.of("a b", "$X", "")));
  }

  @Test
  void commandNamesTheArgumentWithANul() {
    RunnerException e =
        assertThrows(
            RunnerException.class,
            () -> ChildProcesses.command(List.of("p"), List.of("ok", "bad\0")));
    assertEquals(
        "algorithm argument 2 contains a NUL character, which no program can receive",
        e.getMessage());
  }

  @Test
  void environmentStartsFromNothing() throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("SECRET_TOKEN", "s3cret", "PATH", "/evil"));
    ChildProcesses.cleanEnvironment(env, "/usr/bin:/bin", Path.of("/w"), Map.of("SEED", "1"));
    assertEquals(
        Map.of("PATH", "/usr/bin:/bin", "HOME", "/w", "LANG", "C.UTF-8", "SEED", "1"), env);
  }

  @Test
  void environmentRefusesBadNamesAndDoesNotEchoBadValues() {
    RunnerException name =
        assertThrows(
            RunnerException.class,
            () ->
                ChildProcesses.cleanEnvironment(
                    new HashMap<>(), "/bin", Path.of("/w"), Map.of("A=B", "x")));
    assertEquals(
        "environment variable name 'A=B' is invalid: it must be non-empty without '=' or NUL",
        name.getMessage());
    RunnerException value =
        assertThrows(
            RunnerException.class,
            () ->
                ChildProcesses.cleanEnvironment(
                    new HashMap<>(), "/bin", Path.of("/w"), Map.of("KEY", "top\0secret")));
    assertEquals(
        "environment variable KEY has a value containing a NUL character", value.getMessage());
  }
}
