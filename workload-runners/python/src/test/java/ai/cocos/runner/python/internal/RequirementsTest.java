package ai.cocos.runner.python.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.cocos.api.runner.RunnerException;
import ai.cocos.runner.python.internal.Requirements.Requirement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RequirementsTest {

  @Test
  void readsSpecifiersExtrasMarkersHashesCommentsAndContinuations() throws Exception {
    List<Requirement> r =
        Requirements.parse(
            "# training\n"
                + "numpy>=1.24,<2  # arrays\n"
                + "\n"
                + "--require-hashes\n"
                + "scikit-learn[alldeps]==1.2.1 ; python_version >= \"3.8\" \\\n"
                + "    --hash=sha256:abc \\\n"
                + "    --hash=sha256:def\n"
                + "pandas\r\n");
    assertEquals(
        List.of(
            new Requirement(2, "numpy>=1.24,<2", "numpy"),
            new Requirement(
                5, "scikit-learn[alldeps]==1.2.1 ; python_version >= \"3.8\"", "scikit-learn"),
            new Requirement(8, "pandas", "pandas")),
        r);
  }

  @Test
  void onlyCommentsMeansNothingToInstall() throws Exception {
    assertEquals(List.of(), Requirements.parse("# nothing\n\n   \n"));
  }

  @Test
  void refusesOptionsThatChooseSourcesOrRunCode() {
    assertRefused("-i https://pypi.org/simple", "line 1: option '-i' is not allowed");
    assertRefused("numpy\n--index-url=https://x", "line 2: option '--index-url' is not allowed");
    assertRefused("-f /tmp/wheels", "line 1: option '-f' is not allowed");
    assertRefused("-r other.txt", "line 1: option '-r' is not allowed");
    assertRefused("-e git+https://x/y.git#egg=y", "line 1: option '-e' is not allowed");
    assertRefused("--trusted-host evil", "line 1: option '--trusted-host' is not allowed");
    assertRefused(
        "numpy --config-settings=x=y",
        "line 1: option '--config-settings' is not allowed on a requirement (only --hash pins are)");
  }

  @Test
  void refusesDirectReferences() {
    assertRefused("foo @ https://evil.example/foo.whl", "line 1: 'foo @ https://evil.example");
    assertRefused("foo@file:///tmp/foo.whl", "line 1: 'foo@file:///tmp/foo.whl' is a direct");
    assertRefused("https://evil.example/foo.whl", "line 1: 'https://evil.example/foo.whl' is a");
    assertRefused("./local/pkg", "line 1: './local/pkg' is a direct reference");
    assertRefused("/abs/pkg.whl", "line 1: '/abs/pkg.whl' is a direct reference");
    assertRefused("!!!", "line 1: '!!!' is not a requirement");
  }

  @Test
  void refusesBinaryAndHugeFiles(@TempDir Path dir) throws Exception {
    Path binary = dir.resolve("bin.txt");
    Files.write(binary, new byte[] {'n', 'u', (byte) 0xff, '\n'});
    assertEquals(
        "requirements file is not UTF-8 text",
        assertThrows(RunnerException.class, () -> Requirements.read(binary)).getMessage());
    Path huge = dir.resolve("huge.txt");
    Files.write(huge, new byte[(int) Requirements.MAX_BYTES + 1]);
    assertThrows(RunnerException.class, () -> Requirements.read(huge));
  }

  private static void assertRefused(String text, String start) {
    RunnerException e = assertThrows(RunnerException.class, () -> Requirements.parse(text));
    String expected = "requirements file " + start;
    assertEquals(
        expected,
        e.getMessage().substring(0, Math.min(expected.length(), e.getMessage().length())),
        e.getMessage());
  }
}
