package ai.cocos.core.launch;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Starts an assembly: {@code Main --assembly DIR [run|plugins]}.
 *
 * <ul>
 *   <li>{@code run} (default) starts the framework, installs the assembly's bundles and the enabled
 *       runners, prints the active plugins once the expected endpoints listen, and runs until the
 *       process is stopped.
 *   <li>{@code plugins} does the same, prints the plugins and their versions, and stops.
 * </ul>
 *
 * <p>Exit codes: 0 success, 1 the assembly could not start, 2 usage error.
 */
public final class Main {
  private static final long START_TIMEOUT_MILLIS = 30_000;

  /** Bundles started before the others: the services every plugin's components rely on. */
  private static final Set<String> FIRST =
      Set.of("org.apache.felix.scr", "org.apache.felix.configadmin");

  private Main() {}

  /**
   * Entry point.
   *
   * @param args command-line arguments
   */
  public static void main(String[] args) {
    int code = run(args, System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Path assemblyDir = null;
    String command = "run";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--assembly" -> {
          if (i + 1 >= args.length) {
            err.println("--assembly needs a folder");
            return 2;
          }
          assemblyDir = Path.of(args[++i]);
        }
        case "-h", "--help", "help" -> {
          out.println(usage());
          return 0;
        }
        case "run", "plugins" -> command = args[i];
        default -> {
          err.println("unknown argument '" + args[i] + "'\n" + usage());
          return 2;
        }
      }
    }
    if (assemblyDir == null) {
      err.println("--assembly is required\n" + usage());
      return 2;
    }
    try {
      Assembly assembly = Assembly.load(assemblyDir);
      String levelVar = assembly.logLevelEnv();
      Logging.configure(
          System.getProperty(Assembly.ENV_OVERRIDE_PREFIX + levelVar, System.getenv(levelVar)));
      return start(assembly, command, out);
    } catch (LaunchException e) {
      err.println("cocos: " + e.getMessage());
      return 1;
    }
  }

  private static String usage() {
    return """
        usage: cocos-<assembly> [run|plugins]
          run      start and serve until stopped (default)
          plugins  start, list the active plugins and their versions, and stop""";
  }

  private static int start(Assembly assembly, String command, PrintStream out)
      throws LaunchException {
    long t0 = System.nanoTime();
    Path storage;
    try {
      storage = Files.createTempDirectory("cocos-" + assembly.name() + "-");
    } catch (IOException e) {
      throw new LaunchException("cannot create the framework's storage folder: " + e, e);
    }
    List<Path> runners = assembly.enabledRunners(System::getenv);
    Framework framework = newFramework(assembly.frameworkProperties(storage));
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stop(framework, storage);
              stopped.countDown();
            },
            "cocos-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      framework.start();
      installAndStart(framework, assembly.bundles(), runners);
      PluginTable table = new PluginTable(framework.getBundleContext());
      table.awaitTransports(assembly.expectedTransports(), START_TIMEOUT_MILLIS);
      long millis = (System.nanoTime() - t0) / 1_000_000;
      out.println("Cocos " + assembly.name() + " started in " + millis + " ms");
      out.print(table.render());
      out.flush();
    } catch (LaunchException | BundleException | RuntimeException e) {
      // A failed start leaves framework threads behind: stop it, or the JVM never exits.
      Runtime.getRuntime().removeShutdownHook(hook);
      stop(framework, storage);
      if (e instanceof LaunchException le) {
        throw le;
      }
      throw new LaunchException("assembly " + assembly.name() + " failed to start: " + e, e);
    }
    if (command.equals("plugins")) {
      Runtime.getRuntime().removeShutdownHook(hook);
      stop(framework, storage);
      return 0;
    }
    try {
      framework.waitForStop(0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static Framework newFramework(Map<String, String> props) throws LaunchException {
    FrameworkFactory factory =
        ServiceLoader.load(FrameworkFactory.class)
            .findFirst()
            .orElseThrow(
                () -> new LaunchException("no OSGi framework on the class path (Felix missing)"));
    return factory.newFramework(props);
  }

  /**
   * Installs the bundles, resolves them in one pass, then starts them: the framework's own services
   * (Declarative Services, ConfigAdmin) first, then every other bundle on as many threads as there
   * are processors. Components are activated on the thread that starts their bundle (SCR handles
   * bundle events synchronously), so independent plugins (TEE providers, runners, the gRPC
   * transport) activate side by side: about a sixth off the agent's start on two cores. A bundle
   * that fails to start fails the whole start, as before, once the others have had their turn.
   */
  private static void installAndStart(Framework framework, List<Path> bundles, List<Path> runners)
      throws BundleException {
    BundleContext ctx = framework.getBundleContext();
    List<Bundle> installed = new ArrayList<>();
    for (Path jar : Stream.concat(bundles.stream(), runners.stream()).toList()) {
      // reference: keeps the jar where it is instead of copying it into the cache.
      installed.add(ctx.installBundle("reference:" + jar.toUri()));
    }
    // One resolution for all instead of one per start (a bundle that cannot resolve fails below).
    framework.adapt(FrameworkWiring.class).resolveBundles(installed);
    List<Bundle> services = new ArrayList<>();
    List<Bundle> plugins = new ArrayList<>();
    for (Bundle b : installed) {
      if (b.getHeaders().get(Constants.FRAGMENT_HOST) != null) {
        continue;
      }
      (FIRST.contains(b.getSymbolicName()) ? services : plugins).add(b);
    }
    for (Bundle b : services) {
      b.start();
    }
    int threads = Math.min(Runtime.getRuntime().availableProcessors(), plugins.size());
    if (threads <= 1) {
      for (Bundle b : plugins) {
        b.start();
      }
      return;
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "cocos-start");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<?>> started = new ArrayList<>();
      for (Bundle b : plugins) {
        started.add(
            pool.submit(
                () -> {
                  b.start();
                  return null;
                }));
      }
      BundleException failure = null;
      for (Future<?> f : started) {
        try {
          f.get();
        } catch (ExecutionException e) {
          if (failure == null) {
            failure =
                e.getCause() instanceof BundleException be
                    ? be
                    : new BundleException(
                        "a bundle failed to start: " + e.getCause(), e.getCause());
          }
        }
      }
      if (failure != null) {
        throw failure;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BundleException("interrupted while the bundles started", e);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void stop(Framework framework, Path storage) {
    try {
      framework.stop();
      framework.waitForStop(15_000);
    } catch (BundleException | RuntimeException e) {
      System.err.println("cocos: error while stopping: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deleteTree(storage);
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("cocos: could not delete " + root + ": " + e.getMessage());
    }
  }
}
