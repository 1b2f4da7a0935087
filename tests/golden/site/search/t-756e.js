CatalogSearch.add("t","un",{"understanding":"5k","understanding deep":"5X"});
