package ai.cocos.attestation.testing;

import ai.cocos.api.tee.TeeProvider;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * A real OSGi framework (Felix) for the TEE providers' in-framework tests: the SPI comes from the
 * system bundle, so the test can call (and register) {@link TeeProvider} services, and the bundles
 * named are installed and started as the agent would.
 */
public final class ProviderFramework implements AutoCloseable {
  /** The bundles every provider needs: SCR with its API bundles, and BouncyCastle. */
  public static final List<String> SCR_AND_BOUNCY_CASTLE =
      List.of(
          "org.osgi.util.function-",
          "org.osgi.util.promise-",
          "org.osgi.service.component-",
          "org.apache.felix.scr-",
          "bcprov-jdk18on-");

  /** The module under test, from its build output. */
  public static final String MODULE_CLASSES =
      "reference:" + Path.of("target", "classes").toAbsolutePath().toUri();

  private final Framework framework;

  private ProviderFramework(Framework framework) {
    this.framework = framework;
  }

  /**
   * Starts Felix and installs and starts bundles.
   *
   * @param storage the framework's storage folder
   * @param bundles each a jar on the test class path named by its file-name prefix (such as {@code
   *     cocos-attestation-}), or a location such as {@link #MODULE_CLASSES}
   * @return the running framework
   * @throws Exception if it cannot start or a bundle cannot be installed or started
   */
  public static ProviderFramework start(Path storage, List<String> bundles) throws Exception {
    Map<String, String> props = new HashMap<>();
    props.put("org.osgi.framework.storage", storage.toString());
    props.put("org.osgi.framework.storage.clean", "onFirstInit");
    props.put(
        "org.osgi.framework.system.packages.extra",
        "ai.cocos.api;version=1.0.0,ai.cocos.api.tee;version=1.1.0");
    Framework framework =
        ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow().newFramework(props);
    framework.start();
    ProviderFramework started = new ProviderFramework(framework);
    try {
      BundleContext ctx = framework.getBundleContext();
      List<Bundle> installed = new ArrayList<>();
      for (String b : bundles) {
        installed.add(ctx.installBundle(b.startsWith("reference:") ? b : jar(b)));
      }
      for (Bundle b : installed) {
        b.start();
      }
      return started;
    } catch (Exception | Error e) {
      started.close();
      throw e;
    }
  }

  /**
   * The framework's bundle context.
   *
   * @return the system bundle's context
   */
  public BundleContext context() {
    return framework.getBundleContext();
  }

  /**
   * Waits (up to 10 s) for a provider service of a platform.
   *
   * @param platform its {@link TeeProvider#PLATFORM_PROPERTY}
   * @return the service
   * @throws Exception if interrupted or the framework fails
   * @throws AssertionError if none arrives
   */
  public TeeProvider provider(String platform) throws Exception {
    BundleContext ctx = context();
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      Collection<ServiceReference<TeeProvider>> refs =
          ctx.getServiceReferences(
              TeeProvider.class, "(" + TeeProvider.PLATFORM_PROPERTY + "=" + platform + ")");
      if (!refs.isEmpty()) {
        return ctx.getService(refs.iterator().next());
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no TeeProvider service for " + platform);
  }

  /**
   * An installed bundle.
   *
   * @param symbolicName its symbolic name
   * @return the bundle
   */
  public Bundle bundle(String symbolicName) {
    return List.of(context().getBundles()).stream()
        .filter(b -> symbolicName.equals(b.getSymbolicName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(symbolicName + " is not installed"));
  }

  /** Stops the framework and waits for it. */
  @Override
  public void close() throws Exception {
    framework.stop();
    framework.waitForStop(10_000);
  }

  private static String jar(String prefix) {
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String name = new File(e).getName();
      if (name.startsWith(prefix) && name.endsWith(".jar") && !name.endsWith("-tests.jar")) {
        return new File(e).toURI().toString();
      }
    }
    throw new IllegalStateException(prefix + " is not on the test class path");
  }
}
