"""rossmann_split: training dates -> which rows validate (Store, Date, valid), params rossmann.split."""
from embedlab import params
from embedlab.atomic import atomic_path
from embedlab.cli import run_stage
from embedlab.rossmann import pipeline
from embedlab.rossmann.config import load_config
from embedlab.rossmann.split import validation_mask


def main() -> None:
    cfg = load_config(params.load()).split
    keys = pipeline.read(pipeline.TRAIN_FEATURES, "rossmann_features", columns=["Store", "Date"])
    test_rows = len(pipeline.read(pipeline.TEST_FEATURES, "rossmann_features", columns=["Store"]))
    valid = validation_mask(keys["Date"], cfg.method, start=cfg.start, end=cfg.end,
                            valid_frac=cfg.valid_frac, seed=cfg.seed, test_rows=test_rows)
    with atomic_path(pipeline.SPLIT) as tmp:
        keys.assign(valid=valid).to_parquet(tmp, index=False)
    dates = keys.loc[valid, "Date"]
    print(f"{cfg.method}: {valid.sum():,} validation rows ({dates.min():%Y-%m-%d}..{dates.max():%Y-%m-%d}), "
          f"{(~valid).sum():,} training rows")


if __name__ == "__main__":
    run_stage(main)
