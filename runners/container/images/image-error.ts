/** The failure of an image build, naming the workload, the packaging and the step that failed. */
import { EnvironmentError } from '../../../lab/errors.js';

/** Steps of an image build, in order; a failure names one. */
export type ImageBuildStep = 'collect files' | 'debootstrap' | 'import base' | 'build context' | 'docker build' | 'inspect' | 'push to origin';

/** An image could not be built: the engine, the build tools or the project build lacked something (exit 5). */
export class ImageBuildError extends EnvironmentError {
  constructor(
    readonly workload: string,
    readonly packaging: string,
    readonly step: ImageBuildStep,
    detail: string,
  ) {
    super(`container runner: image ${packaging} of workload "${workload}" failed at step "${step}": ${detail}`);
    this.name = 'ImageBuildError';
  }
}
