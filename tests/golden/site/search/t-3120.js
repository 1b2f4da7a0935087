CatalogSearch.add("t","1 ",{"1 good":[1.54,"1_"]});
