CatalogSearch.add("t","zh",{"zhang":[3.652,"5_"]});
