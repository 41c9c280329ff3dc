package ai.cocos.core.launch;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;

/**
 * Reads the plugin registry from outside the framework. The launcher runs on the class path and
 * does not share the API's classes with the bundles, so it calls the registry's documented methods
 * ({@code ai.cocos.api.plugin.PluginRegistry#plugins()} and {@code PluginInfo}'s accessors) by
 * name.
 */
final class PluginTable {
  static final String REGISTRY = "ai.cocos.api.plugin.PluginRegistry";
  static final String TRANSPORT = "ai.cocos.api.transport.Transport";
  static final String ENDPOINT_PROPERTY = "cocos.transport.endpoint";
  static final String SCR_RUNTIME = "org.osgi.service.component.runtime.ServiceComponentRuntime";

  /** {@code ComponentConfigurationDTO.FAILED_ACTIVATION}. */
  private static final int FAILED_ACTIVATION = 16;

  private final BundleContext ctx;

  PluginTable(BundleContext ctx) {
    this.ctx = ctx;
  }

  /** Waits until the registry is up and every expected transport endpoint listens. */
  void awaitTransports(List<String> endpoints, long timeoutMillis) throws LaunchException {
    Object lock = new Object();
    ServiceListener listener =
        e -> {
          if (e.getType() == ServiceEvent.REGISTERED) {
            synchronized (lock) {
              lock.notifyAll();
            }
          }
        };
    ctx.addServiceListener(listener);
    try {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
      while (true) {
        Set<String> missing = missing(endpoints);
        if (missing.isEmpty()) {
          return;
        }
        List<String> failures = failedComponents();
        if (!failures.isEmpty()) {
          throw new LaunchException(String.join("; ", failures));
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new LaunchException(
              "not started within " + timeoutMillis + " ms: still waiting for " + missing);
        }
        synchronized (lock) {
          lock.wait(Math.min(left, 50));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LaunchException("interrupted while starting");
    } finally {
      ctx.removeServiceListener(listener);
    }
  }

  private Set<String> missing(List<String> endpoints) {
    Set<String> missing = new HashSet<>();
    if (ctx.getServiceReference(REGISTRY) == null) {
      missing.add("the plugin registry");
    }
    for (String ep : endpoints) {
      try {
        var refs = ctx.getServiceReferences(TRANSPORT, "(" + ENDPOINT_PROPERTY + "=" + ep + ")");
        if (refs == null || refs.length == 0) {
          missing.add("endpoint '" + ep + "'");
        }
      } catch (InvalidSyntaxException e) {
        missing.add("endpoint '" + ep + "' (bad name)");
      }
    }
    return missing;
  }

  /**
   * Components that failed to activate, with SCR's failure text (DS 1.5 {@code
   * ComponentConfigurationDTO.failure}), read through SCR's runtime service by name.
   */
  List<String> failedComponents() {
    ServiceReference<?> ref = ctx.getServiceReference(SCR_RUNTIME);
    if (ref == null) {
      return List.of();
    }
    Object scr = ctx.getService(ref);
    List<String> failures = new ArrayList<>();
    try {
      Method descriptions =
          scr.getClass()
              .getMethod("getComponentDescriptionDTOs", org.osgi.framework.Bundle[].class);
      for (Object d :
          (java.util.Collection<?>)
              descriptions.invoke(scr, (Object) new org.osgi.framework.Bundle[0])) {
        Method configs = scr.getClass().getMethod("getComponentConfigurationDTOs", d.getClass());
        for (Object c : (java.util.Collection<?>) configs.invoke(scr, d)) {
          int state = c.getClass().getField("state").getInt(c);
          if (state == FAILED_ACTIVATION) {
            Object failure = c.getClass().getField("failure").get(c);
            failures.add(
                "component "
                    + d.getClass().getField("name").get(d)
                    + " failed to activate: "
                    + firstLine(String.valueOf(failure)));
          }
        }
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // An SCR without DS 1.5 DTOs: fall back to waiting for the timeout.
    } finally {
      ctx.ungetService(ref);
    }
    return failures;
  }

  /**
   * The line of SCR's failure text that says what went wrong: the component's own exception, not
   * the reflection or SCR wrapper around it (the first {@code Caused by:} below such a wrapper).
   */
  static String firstLine(String s) {
    String[] lines = s.split("\n");
    String top = lines[0].strip();
    if (top.startsWith("java.lang.reflect.InvocationTargetException")
        || top.startsWith("org.osgi.service.component.ComponentException")) {
      for (String line : lines) {
        String t = line.strip();
        if (t.startsWith("Caused by: ")) {
          return t.substring("Caused by: ".length());
        }
      }
    }
    return top;
  }

  /** The plugins as a text table, one line each. */
  String render() throws LaunchException {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"KIND", "ID", "BUNDLE", "VERSION", "STATE", "DETAIL"});
    ServiceReference<?> ref = ctx.getServiceReference(REGISTRY);
    if (ref == null) {
      throw new LaunchException("the plugin registry is not running");
    }
    Object registry = ctx.getService(ref);
    try {
      List<?> plugins = (List<?>) call(registry, "plugins");
      for (Object p : plugins) {
        rows.add(
            new String[] {
              String.valueOf(call(p, "kind")).toLowerCase(java.util.Locale.ROOT),
              (String) call(p, "id"),
              (String) call(p, "bundle"),
              (String) call(p, "version"),
              ((Boolean) call(p, "active")) ? "active" : "refused",
              (String) call(p, "detail")
            });
      }
    } finally {
      ctx.ungetService(ref);
    }
    int[] width = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder("  ");
      for (int i = 0; i < r.length; i++) {
        line.append(String.format("%-" + (width[i] + 2) + "s", r[i]));
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    if (rows.size() == 1) {
      sb.append("  (no plugins)\n");
    }
    return sb.toString();
  }

  private static Object call(Object target, String method) throws LaunchException {
    try {
      Method m = target.getClass().getMethod(method);
      m.setAccessible(true);
      return m.invoke(target);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new LaunchException("cannot read the plugin registry (" + method + "): " + e, e);
    }
  }
}
