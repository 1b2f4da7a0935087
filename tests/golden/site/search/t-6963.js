CatalogSearch.add("t","ic",{"iclr":[0.653,"0w2_1_2_"]});
