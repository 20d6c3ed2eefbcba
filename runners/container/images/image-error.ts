/** The failure of an image build, naming the workload, the packaging and the step that failed. */
import { LabError } from '../../../lab/errors.js';

/** Steps of an image build, in order; a failure names one. */
export type ImageBuildStep = 'collect files' | 'debootstrap' | 'import base' | 'build context' | 'docker build' | 'inspect' | 'push to origin';

/** An image could not be built. */
export class ImageBuildError extends LabError {
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
