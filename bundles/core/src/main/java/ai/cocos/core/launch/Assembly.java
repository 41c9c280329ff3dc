package ai.cocos.core.launch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * An assembly on disk: which bundles make up the agent or the manager, which runner plugins it
 * ships, and its default configuration. Holds no logic of its own beyond reading that layout.
 *
 * <pre>
 * assembly.properties   name, and the names of the environment variables it honours
 * bundles/*.jar         installed and started, always
 * runners/*.jar         runner plugins; installed only when enabled (header Cocos-Runner-Type)
 * conf/*.cfg            configuration, ${ENV:-default} interpolated into ConfigAdmin
 * </pre>
 */
public final class Assembly {
  /** Manifest header naming the algorithm type a runner bundle serves. */
  public static final String RUNNER_TYPE_HEADER = "Cocos-Runner-Type";

  /** Framework property: folder of the assembly's {@code .cfg} files. */
  public static final String CONFIG_DIR_PROPERTY = "cocos.config.dir";

  /** Framework property: the assembly's name. */
  public static final String NAME_PROPERTY = "cocos.assembly.name";

  /**
   * Framework property prefix: {@code cocos.env.X} overrides environment variable {@code X} for
   * configuration (used where the process environment cannot be set, such as in-process tests).
   */
  public static final String ENV_OVERRIDE_PREFIX = "cocos.env.";

  private final Path dir;
  private final String name;
  private final String runnersEnv;
  private final String logLevelEnv;
  private final List<String> expectedTransports;
  private final List<Path> bundles;
  private final Map<String, Path> runners;

  private Assembly(
      Path dir,
      String name,
      String runnersEnv,
      String logLevelEnv,
      List<String> expectedTransports,
      List<Path> bundles,
      Map<String, Path> runners) {
    this.dir = dir;
    this.name = name;
    this.runnersEnv = runnersEnv;
    this.logLevelEnv = logLevelEnv;
    this.expectedTransports = expectedTransports;
    this.bundles = bundles;
    this.runners = runners;
  }

  /**
   * Reads an assembly folder.
   *
   * @param dir the folder holding {@code assembly.properties}
   * @return the assembly
   * @throws LaunchException if the folder is not a complete assembly
   */
  public static Assembly load(Path dir) throws LaunchException {
    Path descriptor = dir.resolve("assembly.properties");
    if (!Files.isRegularFile(descriptor)) {
      throw new LaunchException(
          "no assembly at "
              + dir
              + ": assembly.properties is missing (build first: mvn -B install)");
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(descriptor)) {
      p.load(in);
    } catch (IOException e) {
      throw new LaunchException("cannot read " + descriptor + ": " + e.getMessage(), e);
    }
    String name = p.getProperty("name", "").trim();
    if (name.isEmpty()) {
      throw new LaunchException(descriptor + " has no 'name'");
    }
    List<Path> bundles = jars(dir.resolve("bundles"));
    if (bundles.isEmpty()) {
      throw new LaunchException(
          "assembly " + name + " has no bundles in " + dir.resolve("bundles"));
    }
    Map<String, Path> runners = new TreeMap<>();
    for (Path jar : jars(dir.resolve("runners"))) {
      String type = runnerType(jar);
      if (type == null) {
        throw new LaunchException(
            jar + " is in runners/ but has no " + RUNNER_TYPE_HEADER + " header");
      }
      if (runners.putIfAbsent(type, jar) != null) {
        throw new LaunchException("two runner bundles serve type '" + type + "' in " + dir);
      }
    }
    List<String> transports =
        Arrays.stream(p.getProperty("expect.transports", "").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList();
    return new Assembly(
        dir.toAbsolutePath().normalize(),
        name,
        p.getProperty("runners.env", "").trim(),
        p.getProperty("log.level.env", "").trim(),
        transports,
        bundles,
        runners);
  }

  private static List<Path> jars(Path folder) throws LaunchException {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(folder)) {
      return s.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList();
    } catch (IOException e) {
      throw new LaunchException("cannot list " + folder + ": " + e.getMessage(), e);
    }
  }

  private static String runnerType(Path jar) throws LaunchException {
    try (JarFile jf = new JarFile(jar.toFile())) {
      var mf = jf.getManifest();
      String type = mf == null ? null : mf.getMainAttributes().getValue(RUNNER_TYPE_HEADER);
      return type == null ? null : type.trim().toLowerCase(Locale.ROOT);
    } catch (IOException e) {
      throw new LaunchException("cannot read runner bundle " + jar + ": " + e.getMessage(), e);
    }
  }

  /**
   * The assembly's name, e.g. {@code agent}.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The assembly folder.
   *
   * @return its absolute path
   */
  public Path dir() {
    return dir;
  }

  /**
   * The bundles always installed, in install order.
   *
   * @return jar paths
   */
  public List<Path> bundles() {
    return bundles;
  }

  /**
   * Runner bundles shipped, by algorithm type.
   *
   * @return type to jar
   */
  public Map<String, Path> availableRunners() {
    return runners;
  }

  /**
   * Transport endpoints that must listen before the assembly counts as started.
   *
   * @return endpoint names
   */
  public List<String> expectedTransports() {
    return expectedTransports;
  }

  /**
   * The environment variable holding the log level, or empty.
   *
   * @return its name
   */
  public String logLevelEnv() {
    return logLevelEnv;
  }

  /**
   * The runner bundles to install, as the operator enabled them. The variable named by {@code
   * runners.env} (e.g. {@code AGENT_RUNNERS=wasm,python}) lists types; unset means every runner the
   * assembly ships, {@code none} or an empty value means none.
   *
   * @param env the environment
   * @return jars of the enabled runners
   * @throws LaunchException if a named runner is not shipped by this assembly
   */
  public List<Path> enabledRunners(Function<String, String> env) throws LaunchException {
    if (runnersEnv.isEmpty()) {
      return List.copyOf(runners.values());
    }
    String value = env.apply(runnersEnv);
    if (value == null) {
      return List.copyOf(runners.values());
    }
    Set<String> wanted = new LinkedHashSet<>();
    for (String t : value.split(",")) {
      String type = t.trim().toLowerCase(Locale.ROOT);
      if (!type.isEmpty() && !type.equals("none")) {
        wanted.add(type);
      }
    }
    List<Path> selected = new ArrayList<>();
    for (String type : wanted) {
      Path jar = runners.get(type);
      if (jar == null) {
        throw new LaunchException(
            runnersEnv
                + " names runner '"
                + type
                + "', which this "
                + name
                + " assembly does not ship (available: "
                + (runners.isEmpty() ? "none" : String.join(", ", runners.keySet()))
                + ")");
      }
      selected.add(jar);
    }
    return selected;
  }

  /**
   * The JVM options the assembly asks for ({@code jvm.options}, one per line, {@code #} comments,
   * {@code ${ASSEMBLY}} standing for the assembly folder). {@code bin/cocos-assembly} reads the
   * same file.
   *
   * @return the options, in order; empty if the file is absent
   * @throws LaunchException if the file cannot be read
   */
  public List<String> jvmOptions() throws LaunchException {
    Path file = dir.resolve("jvm.options");
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    try {
      List<String> out = new ArrayList<>();
      for (String line : Files.readAllLines(file)) {
        int hash = line.indexOf('#');
        String opt = (hash < 0 ? line : line.substring(0, hash)).trim();
        if (!opt.isEmpty()) {
          out.add(opt.replace("${ASSEMBLY}", dir.toString()));
        }
      }
      return out;
    } catch (IOException e) {
      throw new LaunchException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The framework properties this assembly runs with.
   *
   * @param storage the framework's storage folder
   * @return properties for the framework factory
   */
  public Map<String, String> frameworkProperties(Path storage) {
    Map<String, String> props = new HashMap<>();
    props.put("org.osgi.framework.storage", storage.toString());
    props.put("org.osgi.framework.storage.clean", "onFirstInit");
    props.put(NAME_PROPERTY, name);
    props.put(CONFIG_DIR_PROPERTY, dir.resolve("conf").toString());
    // Felix's own diagnostics: errors only; our bundles log through java.util.logging.
    props.put("felix.log.level", "1");
    // -Dcocos.env.X=v stands in for environment variable X (used by the build's CDS training run).
    for (String key : System.getProperties().stringPropertyNames()) {
      if (key.startsWith(ENV_OVERRIDE_PREFIX)) {
        props.put(key, System.getProperty(key));
      }
    }
    return props;
  }
}
