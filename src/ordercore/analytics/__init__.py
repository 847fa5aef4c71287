"""ordercore.analytics: calculators over plain order and line facts.

Sales, operations, customers (RFM, cohorts, churn), inventory (ABC, forecasting, safety stock,
EOQ) and baskets. Every calculator is a pure function of facts (or of a CSV export, read in one
streaming pass) that returns a result with ``rows()``, ``to_pandas()``, CSV/JSON export and a
readable ``repr``. Nothing here touches storage: the desk hands facts in
(``desk.analytics.facts()``).
"""

from ordercore.analytics._periods import Period
from ordercore.analytics.basket import (
    AssociationRules,
    FrequentItemsets,
    Rule,
    association_rules,
    baskets_of,
    frequent_itemsets,
)
from ordercore.analytics.cohorts import (
    ChurnRisk,
    CohortRetention,
    churn_risk,
    cohort_retention,
    repeat_purchase_rate,
)
from ordercore.analytics.facts import STAGES, LineFact, OrderFact
from ordercore.analytics.forecast import (
    Backtest,
    Forecast,
    backtest,
    croston,
    holt,
    holt_winters_additive,
    ses,
)
from ordercore.analytics.operations import (
    OperationsRates,
    StaffPerformance,
    StageTimes,
    Stall,
    Stalls,
    operations_rates,
    percentile,
    staff_performance,
    stage_times,
    stalls,
)
from ordercore.analytics.rates import ExchangeRates
from ordercore.analytics.results import TableResult
from ordercore.analytics.rfm import SEGMENTS, RfmScores, quintile_scores, rfm, rfm_from_csv
from ordercore.analytics.sales import (
    Ranking,
    SalesCell,
    SalesReport,
    SeasonalityIndex,
    best_and_worst,
    sales,
    sales_from_csv,
    seasonality_index,
)
from ordercore.analytics.segments import CUSTOMER_SEGMENTS, customer_segment, customer_segments
from ordercore.analytics.sources import (
    FactsRead,
    LineColumns,
    OrderColumns,
    ReadReport,
    RowProblem,
    lines_from_csv,
    lines_from_dataframe,
    lines_from_dicts,
    orders_from_csv,
    orders_from_dataframe,
    orders_from_dicts,
)
from ordercore.analytics.stock import (
    AbcAnalysis,
    abc_analysis,
    economic_order_quantity,
    reorder_point,
    safety_stock,
    sku_revenue,
)

__all__ = [
    "CUSTOMER_SEGMENTS",
    "SEGMENTS",
    "STAGES",
    "AbcAnalysis",
    "AssociationRules",
    "Backtest",
    "ChurnRisk",
    "CohortRetention",
    "ExchangeRates",
    "FactsRead",
    "Forecast",
    "FrequentItemsets",
    "LineColumns",
    "LineFact",
    "OperationsRates",
    "OrderColumns",
    "OrderFact",
    "Period",
    "Ranking",
    "ReadReport",
    "RfmScores",
    "RowProblem",
    "Rule",
    "SalesCell",
    "SalesReport",
    "SeasonalityIndex",
    "StaffPerformance",
    "StageTimes",
    "Stall",
    "Stalls",
    "TableResult",
    "abc_analysis",
    "association_rules",
    "backtest",
    "baskets_of",
    "best_and_worst",
    "churn_risk",
    "cohort_retention",
    "croston",
    "customer_segment",
    "customer_segments",
    "economic_order_quantity",
    "frequent_itemsets",
    "holt",
    "holt_winters_additive",
    "lines_from_csv",
    "lines_from_dataframe",
    "lines_from_dicts",
    "operations_rates",
    "orders_from_csv",
    "orders_from_dataframe",
    "orders_from_dicts",
    "percentile",
    "quintile_scores",
    "reorder_point",
    "repeat_purchase_rate",
    "rfm",
    "rfm_from_csv",
    "safety_stock",
    "sales",
    "sales_from_csv",
    "seasonality_index",
    "ses",
    "sku_revenue",
    "staff_performance",
    "stage_times",
    "stalls",
]
