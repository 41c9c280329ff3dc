package ai.cocos.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import picocli.CommandLine;

/**
 * One in-process run of the tool with its output captured.
 *
 * @param exitCode what the process would exit with
 * @param out standard output
 * @param err standard error
 */
record Run(int exitCode, String out, String err) {

  static Run of(String... args) {
    return with(Map.of(), args);
  }

  /**
   * Runs the tool with an environment of the test's choosing instead of the process's.
   *
   * @param env the environment variables; every other one is unset
   * @param args the command line
   * @return the outcome
   */
  static Run with(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine(env::get);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
  }
}
