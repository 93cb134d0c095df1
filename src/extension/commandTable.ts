// The one list of the extension's commands. Each has its own file under commands/; package.json's
// `contributes.commands` lists the same IDs (a test checks that the two agree). The inspector's own
// command (stevedore.openInspector) is registered by inspector/registerInspector.ts.

import { addRegistryCommand } from './commands/addRegistry';
import { browseTagsCommand } from './commands/browseTags';
import { buildImageCommand } from './commands/buildImage';
import { checkStoreCommand } from './commands/checkStore';
import { clearImageFilterCommand } from './commands/clearImageFilter';
import type { ExtensionCommand } from './commands/command';
import { copyDigestCommand } from './commands/copyDigest';
import { copyFullTagCommand } from './commands/copyFullTag';
import { copyImageIdCommand } from './commands/copyImageId';
import { copyToDockerCommand } from './commands/copyToDocker';
import { copyToEngineCommand } from './commands/copyToEngine';
import { copyToPodmanCommand } from './commands/copyToPodman';
import { copyToStevedoreCommand } from './commands/copyToStevedore';
import { filterImagesCommand } from './commands/filterImages';
import { filterRepositoriesCommand } from './commands/filterRepositories';
import { groupImagesByCommand } from './commands/groupImagesBy';
import { hideDanglingImagesCommand } from './commands/hideDanglingImages';
import { importRootfsCommand } from './commands/importRootfs';
import { inspectEngineImageCommand } from './commands/inspectEngineImage';
import { inspectImageCommand } from './commands/inspectImage';
import { inspectImageJsonCommand } from './commands/inspectImageJson';
import { loadArchiveCommand } from './commands/loadArchive';
import { loadMoreRepositoriesCommand } from './commands/loadMoreRepositories';
import { logInCommand } from './commands/logIn';
import { logOutCommand } from './commands/logOut';
import { pruneBuildCacheCommand } from './commands/pruneBuildCache';
import { pruneImagesCommand } from './commands/pruneImages';
import { pullImageCommand } from './commands/pullImage';
import { pushAndSignCommand } from './commands/pushAndSign';
import { pushImageCommand } from './commands/pushImage';
import { refreshEnginesCommand } from './commands/refreshEngines';
import { refreshImagesCommand } from './commands/refreshImages';
import { refreshRegistriesCommand } from './commands/refreshRegistries';
import { removeImageCommand } from './commands/removeImage';
import { removeRegistryCommand } from './commands/removeRegistry';
import { saveImagesCommand } from './commands/saveImages';
import { searchDockerHubCommand } from './commands/searchDockerHub';
import { showDanglingImagesCommand } from './commands/showDanglingImages';
import { showLogCommand } from './commands/showLog';
import { showTransfersCommand } from './commands/showTransfers';
import { sortImagesByCommand } from './commands/sortImagesBy';
import { tagImageCommand } from './commands/tagImage';
import { commitContainerCommand } from './commands/commitContainer';
import { refreshContainersCommand } from './commands/refreshContainers';
import { removeContainerCommand } from './commands/removeContainer';
import { runImageCommand } from './commands/runImage';
import { runImageInteractiveCommand } from './commands/runImageInteractive';
import { showContainerChangesCommand } from './commands/showContainerChanges';
import { startContainerCommand } from './commands/startContainer';

export const commandTable: readonly ExtensionCommand[] = [
  pullImageCommand,
  pushImageCommand,
  pushAndSignCommand,
  tagImageCommand,
  removeImageCommand,
  pruneImagesCommand,
  pruneBuildCacheCommand,
  checkStoreCommand,
  inspectImageCommand,
  inspectImageJsonCommand,
  copyFullTagCommand,
  copyImageIdCommand,
  copyDigestCommand,
  copyToDockerCommand,
  copyToEngineCommand,
  copyToPodmanCommand,
  copyToStevedoreCommand,
  refreshEnginesCommand,
  inspectEngineImageCommand,
  saveImagesCommand,
  loadArchiveCommand,
  importRootfsCommand,
  buildImageCommand,
  searchDockerHubCommand,
  browseTagsCommand,
  filterRepositoriesCommand,
  refreshImagesCommand,
  filterImagesCommand,
  clearImageFilterCommand,
  showDanglingImagesCommand,
  hideDanglingImagesCommand,
  groupImagesByCommand,
  sortImagesByCommand,
  logInCommand,
  logOutCommand,
  addRegistryCommand,
  removeRegistryCommand,
  refreshRegistriesCommand,
  loadMoreRepositoriesCommand,
  runImageCommand,
  runImageInteractiveCommand,
  startContainerCommand,
  commitContainerCommand,
  showContainerChangesCommand,
  removeContainerCommand,
  refreshContainersCommand,
  showLogCommand,
  showTransfersCommand,
];
