package ai.cocos.manager.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The QEMU backend's configuration (PID {@value QemuVmBackend#PID}), as a component of its own so
 * it has its own configuration type; {@link ManagerRuntime} takes it through a static reference, so
 * a changed QEMU configuration restarts the manager with it, as a changed manager configuration
 * does. Holds the configuration only: it is checked when {@code MANAGER_BACKEND=qemu} selects the
 * backend, so a QEMU setting can never stop the process backend from starting.
 */
@Component(
    service = QemuSettings.class,
    configurationPid = QemuVmBackend.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = QemuConfig.class)
public final class QemuSettings {
  private final QemuConfig config;

  /**
   * Keeps the configuration.
   *
   * @param config the configuration
   */
  @Activate
  public QemuSettings(QemuConfig config) {
    this.config = config;
  }

  /**
   * The configuration.
   *
   * @return it, as DS handed it over
   */
  QemuConfig config() {
    return config;
  }
}
