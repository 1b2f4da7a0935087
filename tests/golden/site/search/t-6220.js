CatalogSearch.add("t","b ",{"b everywhere":[2.607,"1_"],"b lottery":[2.607,"1_"]});
