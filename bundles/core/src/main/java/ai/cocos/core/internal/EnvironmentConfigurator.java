package ai.cocos.core.internal;

import ai.cocos.core.launch.Assembly;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.Objects;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Maps the assembly's configuration files, with environment variables interpolated (CocosAI's
 * names, such as {@code AGENT_GRPC_PORT}), into ConfigAdmin when the framework starts. Logs which
 * PIDs and keys it set, never the values (they may be secrets).
 *
 * <p>A framework property {@code cocos.env.NAME} stands in for environment variable {@code NAME}
 * where the process environment cannot be set (in-framework tests).
 */
@Component(
    service = {},
    immediate = true)
public final class EnvironmentConfigurator {
  private static final Logger LOG = System.getLogger(EnvironmentConfigurator.class.getName());

  /**
   * Applies the configuration.
   *
   * @param context the core bundle's context, for framework properties
   * @param configAdmin where configuration goes
   * @throws IOException if a configuration file cannot be read or stored
   */
  @Activate
  public EnvironmentConfigurator(BundleContext context, @Reference ConfigurationAdmin configAdmin)
      throws IOException {
    String dir = context.getProperty(Assembly.CONFIG_DIR_PROPERTY);
    if (dir == null || dir.isBlank()) {
      LOG.log(Level.DEBUG, "no " + Assembly.CONFIG_DIR_PROPERTY + ": nothing to configure");
      return;
    }
    var entries =
        ConfigFiles.read(
            Path.of(dir),
            name -> {
              String override = context.getProperty(Assembly.ENV_OVERRIDE_PREFIX + name);
              return override != null ? override : System.getenv(name);
            });
    for (ConfigFiles.Entry e : entries.values()) {
      Configuration c =
          e.isFactory()
              ? configAdmin.getFactoryConfiguration(e.factoryPid(), e.name(), "?")
              : configAdmin.getConfiguration(e.pid(), "?");
      Dictionary<String, Object> props = new Hashtable<>();
      e.properties().forEach(props::put);
      if (!sameAs(c.getProperties(), e.properties())) {
        c.update(props);
        LOG.log(Level.DEBUG, "configured " + e.pid() + " " + e.properties().keySet());
      }
    }
  }

  private static boolean sameAs(Dictionary<String, Object> current, Map<String, String> wanted) {
    if (current == null) {
      return false;
    }
    for (var entry : wanted.entrySet()) {
      if (!Objects.equals(String.valueOf(current.get(entry.getKey())), entry.getValue())) {
        return false;
      }
    }
    return true;
  }
}
