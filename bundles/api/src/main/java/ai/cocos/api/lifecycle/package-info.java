/**
 * Lifecycle events of the runtime: plugins arriving, updating, leaving or failing, and the assembly
 * starting and stopping. Listeners are whiteboard services.
 */
@Version("1.0.0")
package ai.cocos.api.lifecycle;

import org.osgi.annotation.versioning.Version;
