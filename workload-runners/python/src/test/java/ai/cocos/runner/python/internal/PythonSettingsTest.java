package ai.cocos.runner.python.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PythonSettingsTest {

  @Test
  void defaultsMatchTheConfigurationTypeAndAreSafe() throws Exception {
    PythonSettings d = PythonSettings.defaults();
    assertEquals(d.interpreter().toString(), defaultOf("interpreter"));
    assertEquals(d.systemSitePackages(), defaultOf("systemSitePackages"));
    assertEquals("", defaultOf("indexUrl"));
    assertEquals("", defaultOf("wheelhouse"));
    assertEquals(d.onlyBinary(), defaultOf("onlyBinary"));
    assertEquals(d.requireHashes(), defaultOf("requireHashes"));
    assertEquals(d.killGrace().toMillis(), defaultOf("killGraceMillis"));
    assertEquals(d.maxLineBytes(), defaultOf("maxLineBytes"));
    assertEquals(d.path(), defaultOf("path"));
    assertTrue(d.indexUrl().isEmpty() && d.wheelhouse().isEmpty(), "no package source");
  }

  @Test
  void indexUrlMustBeHttpHttpsOrFile() {
    assertEquals(
        Optional.of(URI.create("https://m.example/simple")),
        PythonSettings.indexUrl(" https://m.example/simple "));
    assertEquals(Optional.empty(), PythonSettings.indexUrl("  "));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PythonSettings.indexUrl("ftp://x/"));
    assertEquals(
        "python runner: indexUrl (AGENT_PYTHON_INDEX_URL) must be an https, http or file URL, was"
            + " scheme 'ftp'",
        e.getMessage());
  }

  @Test
  void refusesRelativePathsByName() {
    PythonSettings d = PythonSettings.defaults();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new PythonSettings(
                    java.nio.file.Path.of("python3"),
                    false,
                    Optional.empty(),
                    Optional.empty(),
                    true,
                    false,
                    d.killGrace(),
                    d.maxLineBytes(),
                    d.path()));
    assertEquals(
        "python runner: interpreter must be an absolute path (AGENT_PYTHON_INTERPRETER), was"
            + " python3",
        e.getMessage());
  }

  @Test
  void redactsCredentials() {
    assertEquals(
        "https://***@m.example/simple",
        PythonSettings.redact(URI.create("https://u:p@m.example/simple")));
  }

  @Test
  void thePythonOptionOfPipNeeds22Point3() {
    assertTrue(PythonRunner.pipWithPythonOption("23.0.1"));
    assertTrue(PythonRunner.pipWithPythonOption("22.3"));
    assertTrue(!PythonRunner.pipWithPythonOption("22.2.2"));
    assertTrue(!PythonRunner.pipWithPythonOption("-"));
  }

  private static Object defaultOf(String name) throws Exception {
    Method m = PythonRunnerConfig.class.getMethod(name);
    return m.getDefaultValue();
  }
}
