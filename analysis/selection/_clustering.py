"""Helpers shared by the clustering-based selectors (private; inputs are trusted)."""

from __future__ import annotations

import numpy as np

#: Number of fine clusters of the two-stage k-means (sizes below it share one fine clustering).
FINE_K = 200


def weighted_kmeans_anchors(
    points: np.ndarray,
    weight: np.ndarray,
    k: int,
    rng: np.random.Generator,
    cache: dict | None = None,
    key=None,
    prefer: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted k-means on ``points`` (n, p); return (index of the point nearest each centroid, cluster weights).

    With ``prefer`` (n,), each cluster is represented by its point of largest ``prefer`` instead of the one nearest
    the centroid.

    When there are no more than ``k`` points (or distinct points), every point is its own cluster. For
    ``k < FINE_K`` the clustering is two-stage: the points are clustered once into ``FINE_K`` clusters (cached in
    ``cache[key]`` and shared by all smaller sizes), and those centroids, weighted by their mass, are clustered
    into ``k``; each point then joins the coarse cluster of its fine cluster. This coarse-to-fine k-means costs
    one fine run per training set instead of one per size.
    """
    n = len(points)
    if n <= k:
        return np.arange(n), weight.copy()
    if k > FINE_K or n <= FINE_K:
        centers, labels, dist = weighted_kmeans(points, weight, k, rng)
    else:
        fine_seed = int(rng.integers(2**63 - 1))  # drawn even when cached, so the stream does not depend on the cache
        fine = None if cache is None else cache.get(key)
        if fine is None:
            fine = weighted_kmeans(points, weight, FINE_K, np.random.default_rng(fine_seed))
            if cache is not None:
                cache[key] = fine
        if k == FINE_K:
            centers, labels, dist = fine
        else:
            fine_centers, fine_labels, _ = fine
            mass = np.bincount(fine_labels, weights=weight, minlength=FINE_K)
            used = mass > 0
            coarse_centers, coarse_of_fine, _ = weighted_kmeans(fine_centers[used], mass[used], k, rng, max_iter=25)
            label_of_fine = np.zeros(FINE_K, dtype=np.intp)
            label_of_fine[used] = coarse_of_fine
            labels = label_of_fine[fine_labels]
            centers = coarse_centers
            dist = ((points - centers[labels]) ** 2).sum(axis=1)
    anchors = np.full(k, -1, dtype=np.intp)
    order = np.lexsort((dist if prefer is None else -prefer, labels))  # by cluster, then distance (or preference)
    first_in_cluster = np.ones(n, dtype=bool)
    first_in_cluster[1:] = labels[order][1:] != labels[order][:-1]
    chosen = order[first_in_cluster]
    anchors[labels[chosen]] = chosen
    cluster_weight = np.bincount(labels, weights=weight, minlength=k)
    keep = anchors >= 0
    return anchors[keep], cluster_weight[keep]


def patterns_to_items(pattern_ids: np.ndarray, patterns, rng: np.random.Generator) -> np.ndarray:
    """One item (drawn at random) for each pattern in ``pattern_ids`` (a :class:`Patterns`)."""
    starts = patterns.starts[pattern_ids]
    pick = starts + (rng.random(len(pattern_ids)) * patterns.counts[pattern_ids]).astype(np.intp)
    return patterns.order[pick]


def fill_to_size(items: np.ndarray, weights: np.ndarray, size: int, n_items: int, rng: np.random.Generator):
    """Top up a selection with random unselected items (weight 0 is avoided: they get the mean weight)."""
    if len(items) >= size:
        return items[:size], weights[:size]
    rest = np.setdiff1d(np.arange(n_items), items)
    extra = rng.choice(rest, size - len(items), replace=False)
    fill = np.full(len(extra), weights.mean() if len(weights) else 1.0)
    return np.concatenate([items, extra]), np.concatenate([weights, fill])


def pattern_copies_to_items(chosen: np.ndarray, patterns) -> np.ndarray:
    """Distinct items for a list of patterns that may repeat: the r-th occurrence of a pattern gets its r-th item."""
    order, starts = patterns.order, patterns.starts[chosen]
    copy = np.zeros(len(chosen), dtype=np.intp)
    seen: dict[int, int] = {}
    for i, p in enumerate(chosen.tolist()):
        copy[i] = seen.get(p, 0)
        seen[p] = copy[i] + 1
    return order[starts + copy]


def _shifted_dist(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances minus |x|^2 (same argmin over centers): |c|^2 - 2 x.c, shape (n, k)."""
    out = points @ (-2.0 * centers.T)
    out += (centers**2).sum(axis=1)[None, :]
    return out


def weighted_kmeans(
    points: np.ndarray,
    weight: np.ndarray,
    k: int,
    rng: np.random.Generator,
    max_iter: int = 10,
    max_points: int = 4000,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted k-means (Lloyd, at most ``max_iter`` sweeps, in float32) with k-means++ seeding.

    k-means++: Arthur & Vassilvitskii (2007). A few Lloyd sweeps after k-means++ seeding reach within ~2 % of the
    converged inertia on item score vectors, which is all anchor selection needs.

    With more than ``max_points`` points, the centers are fitted on a sample of ``max_points`` draws with
    probability proportional to weight (duplicates merged into counts: an unbiased stand-in for the weighted
    objective), and every point is then assigned to its nearest center.

    Returns (centers (k, p), label of each point, squared distance of each point to its center).
    """
    all_points = points.astype(np.float32)
    if len(points) > max_points and k < max_points // 4:
        draws = rng.choice(len(points), size=max_points, p=weight / weight.sum())
        idx, counts = np.unique(draws, return_counts=True)
        points, weight = points[idx], counts.astype(np.float64)
    n = len(points)
    points = points.astype(np.float32)
    weight = weight.astype(np.float64)
    p_sq = (points**2).sum(axis=1)
    centers = np.empty((k, points.shape[1]), dtype=np.float32)
    first = min(int(np.searchsorted(np.cumsum(weight), rng.random() * weight.sum())), n - 1)
    centers[0] = points[first]
    closest = np.maximum(p_sq - 2 * points @ centers[0] + p_sq[first], 0.0)
    for c in range(1, k):
        prob = weight * closest
        total = prob.sum()
        idx = int(np.searchsorted(np.cumsum(prob), rng.random() * total)) if total > 0 else int(rng.integers(n))
        idx = min(idx, n - 1)
        centers[c] = points[idx]
        closest = np.minimum(closest, np.maximum(p_sq - 2 * points @ centers[c] + p_sq[idx], 0.0))
    labels = np.full(n, -1)
    for _ in range(max_iter):
        new = _shifted_dist(points, centers).argmin(axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
        mass = np.bincount(labels, weights=weight, minlength=k)
        weighted = points * weight[:, None]
        sums = np.column_stack(
            [np.bincount(labels, weights=weighted[:, j], minlength=k) for j in range(points.shape[1])]
        )
        filled = mass > 0
        centers[filled] = sums[filled] / mass[filled, None]
    dist = _shifted_dist(all_points, centers)
    labels = dist.argmin(axis=1)
    all_sq = (all_points**2).sum(axis=1)
    return centers, labels, np.maximum(dist[np.arange(len(all_points)), labels] + all_sq, 0.0)
