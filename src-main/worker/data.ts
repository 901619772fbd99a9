/** The worker's view of the dataset library: the training data of one dataset, limited if asked. */
import type { TrainingData } from '../engine/types';
import { DatasetLibrary } from '../datasets/library';

export function loadTrainingData(home: string, datasetId: string, limits: { limitTrain?: number; limitTest?: number }): Promise<TrainingData> {
  return new DatasetLibrary(home).loadTrainingData(datasetId, limits);
}
