CatalogSearch.add("t","b ",{"b everywhere":"1X","b lottery":"1X"});
