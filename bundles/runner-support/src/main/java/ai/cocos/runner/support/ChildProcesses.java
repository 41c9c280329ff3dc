package ai.cocos.runner.support;

import ai.cocos.api.runner.RunnerException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How runners prepare a child process: an argument vector (never a shell) and an environment built
 * from nothing, so that the agent's own environment, which may hold secrets, is never passed on.
 */
public final class ChildProcesses {
  private ChildProcesses() {}

  /**
   * Builds an argument vector, refusing arguments no program can receive.
   *
   * @param program the program and any fixed leading arguments (for example an interpreter and its
   *     options), passed unchecked
   * @param args the user's arguments
   * @return {@code program} followed by {@code args}
   * @throws RunnerException naming the (1-based) argument that contains a NUL character
   */
  public static List<String> command(List<String> program, List<String> args)
      throws RunnerException {
    List<String> command = new ArrayList<>(program.size() + args.size());
    command.addAll(program);
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).indexOf('\0') >= 0) {
        throw new RunnerException(
            "algorithm argument "
                + (i + 1)
                + " contains a NUL character, which no program can receive");
      }
      command.add(args.get(i));
    }
    return command;
  }

  /**
   * Replaces an environment (such as {@link ProcessBuilder#environment()}) with a clean one: {@code
   * PATH}, {@code HOME}, {@code LANG=C.UTF-8}, then the extra variables, which may override those.
   *
   * @param env the map to clear and fill
   * @param path the {@code PATH}
   * @param home the {@code HOME} folder
   * @param extra further variables (from the run spec)
   * @throws RunnerException naming an invalid variable name, or the variable whose value contains a
   *     NUL character (the value itself is never echoed: it may be sensitive)
   */
  public static void cleanEnvironment(
      Map<String, String> env, String path, Path home, Map<String, String> extra)
      throws RunnerException {
    env.clear();
    env.put("PATH", path);
    env.put("HOME", home.toString());
    env.put("LANG", "C.UTF-8");
    for (Map.Entry<String, String> e : extra.entrySet()) {
      String name = e.getKey();
      if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
        throw new RunnerException(
            "environment variable name '"
                + name.replace("\0", "\\0")
                + "' is invalid: it must be non-empty without '=' or NUL");
      }
      if (e.getValue().indexOf('\0') >= 0) {
        throw new RunnerException(
            "environment variable " + name + " has a value containing a NUL character");
      }
      env.put(name, e.getValue());
    }
  }
}
