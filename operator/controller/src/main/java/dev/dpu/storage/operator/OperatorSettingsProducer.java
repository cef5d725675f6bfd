package dev.dpu.storage.operator;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Makes {@link OperatorSettings} from application.properties / environment. */
public class OperatorSettingsProducer {
    @Produces
    @Singleton
    OperatorSettings settings(
            @ConfigProperty(name = "dpu.agent.image") String agentImage,
            @ConfigProperty(name = "dpu.operator.watch-namespaces") Optional<String> watchNamespaces) {
        return new OperatorSettings(agentImage, OperatorSettings.parseNamespaces(watchNamespaces.orElse("")));
    }
}
