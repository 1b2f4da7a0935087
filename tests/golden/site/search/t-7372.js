CatalogSearch.add("t","sr",{"src":[1.188,"1_"]});
