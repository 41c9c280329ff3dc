package ai.cocos.core.internal;

import ai.cocos.api.lifecycle.LifecycleEvent;
import ai.cocos.api.lifecycle.LifecycleListener;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Publishes lifecycle events: logs each one and delivers it, in order and on one thread, to every
 * {@link LifecycleListener} registered as a whiteboard service.
 */
@Component(service = LifecycleBus.class)
public final class LifecycleBus {
  private static final Logger LOG = System.getLogger(LifecycleBus.class.getName());

  private final List<LifecycleListener> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService delivery;
  private final Clock clock;

  /** Creates the bus with the system clock. */
  @Activate
  public LifecycleBus() {
    this(Clock.systemUTC());
  }

  LifecycleBus(Clock clock) {
    this.clock = clock;
    this.delivery =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "cocos-lifecycle-events");
              t.setDaemon(true);
              return t;
            });
  }

  @Deactivate
  void deactivate() throws InterruptedException {
    delivery.shutdown();
    delivery.awaitTermination(2, TimeUnit.SECONDS);
  }

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      service = LifecycleListener.class)
  void addListener(LifecycleListener l) {
    listeners.add(l);
  }

  void removeListener(LifecycleListener l) {
    listeners.remove(l);
  }

  /**
   * Publishes one event.
   *
   * @param type what happened
   * @param subject what it happened to
   * @param version the subject's version, or empty
   * @param message a sentence naming it
   */
  public void publish(LifecycleEvent.Type type, String subject, String version, String message) {
    LifecycleEvent event = new LifecycleEvent(type, subject, version, message, clock.instant());
    boolean problem =
        type == LifecycleEvent.Type.BUNDLE_FAILED || type == LifecycleEvent.Type.PLUGIN_REFUSED;
    LOG.log(problem ? Level.WARNING : Level.INFO, message);
    try {
      delivery.execute(() -> deliver(event));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // Shutting down: the event is logged, listeners are going away.
    }
  }

  private void deliver(LifecycleEvent event) {
    for (LifecycleListener l : listeners) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "lifecycle listener " + l.getClass().getName() + " failed", e);
      }
    }
  }
}
