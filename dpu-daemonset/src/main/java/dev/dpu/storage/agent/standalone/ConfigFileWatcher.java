package dev.dpu.storage.agent.standalone;

import dev.dpu.storage.agent.AgentConfig;
import dev.dpu.storage.agent.dataplane.DataplaneService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Standalone mode: applies {@code dpu.agent.config-file} at start and again whenever its content
 * changes (checked every {@code dpu.agent.config-poll-interval}). Polling the content rather than
 * watching inotify events also catches the atomic symlink swap kubelet does for mounted
 * ConfigMaps, and an editor's rename-over-original.
 */
@ApplicationScoped
public class ConfigFileWatcher {

    private static final Logger LOG = Logger.getLogger(ConfigFileWatcher.class);

    private final AgentConfig config;
    private final DataplaneService dataplane;
    private ScheduledExecutorService poller;
    private String lastContent;

    public ConfigFileWatcher(AgentConfig config, DataplaneService dataplane) {
        this.config = config;
        this.dataplane = dataplane;
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.standalone()) {
            return;
        }
        Path file = Path.of(config.configFile().orElseThrow());
        LOG.infof("standalone mode: configuration from %s", file);
        check(file);
        poller = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("config-file-poll").daemon().factory());
        long period = Math.max(100, config.configPollInterval().toMillis());
        poller.scheduleWithFixedDelay(() -> check(file), period, period, TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (poller != null) {
            poller.shutdownNow();
        }
    }

    private void check(Path file) {
        String content;
        try {
            content = Files.readString(file);
        } catch (NoSuchFileException e) {
            if (lastContent == null || !lastContent.isEmpty()) {
                LOG.warnf("configuration file %s does not exist (yet)", file);
            }
            lastContent = "";
            return;
        } catch (IOException e) {
            LOG.warnf("cannot read %s: %s", file, e.getMessage());
            return;
        }
        if (content.equals(lastContent)) {
            return;
        }
        lastContent = content;
        try {
            dataplane.apply(content, null);
        } catch (RuntimeException e) {
            LOG.error("applying " + file + " failed", e);
        }
    }
}
