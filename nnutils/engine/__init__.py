"""The training engine the lessons call: layers, trainers, preprocessing, augmentation."""
