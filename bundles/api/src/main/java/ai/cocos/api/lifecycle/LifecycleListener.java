package ai.cocos.api.lifecycle;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives lifecycle events. Register as an OSGi service (whiteboard); the core delivers each event
 * to every listener, in order, on one thread. A listener must return quickly and never throw.
 */
@ConsumerType
@FunctionalInterface
public interface LifecycleListener {
  /**
   * Handles one event.
   *
   * @param event what happened
   */
  void onEvent(LifecycleEvent event);
}
