/**
 * Domain types shared by every Cocos module: errors that name their cause, and constants for the
 * service properties plugins register with.
 */
@Version("1.0.0")
package ai.cocos.api;

import org.osgi.annotation.versioning.Version;
